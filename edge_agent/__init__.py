"""Brigade edge agent: the store box that takes kitchen tickets, prints them and keeps cooking offline."""
