from exitwave.cli import main

main()
