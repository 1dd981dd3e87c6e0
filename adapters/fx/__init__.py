"""Exchange rates from outside: the European Central Bank's daily reference-rate XML, by file or
URL."""
