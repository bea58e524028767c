from firmware_sim.gps.cli import main

main()
