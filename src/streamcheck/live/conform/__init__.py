"""`streamcheck conform`: a table of cases run against a server through `call`, each with a
verdict. Empty on purpose: `conform --list` reads the table without the network stack."""
