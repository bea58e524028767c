from rider_tracker.main import main

main()
