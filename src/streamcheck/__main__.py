from streamcheck.cli import program

program()
