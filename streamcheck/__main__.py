from streamcheck.cli import main

main()
