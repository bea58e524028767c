from edge_agent.main import main

main()
