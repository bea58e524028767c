"""The Textual screen of the kitchen display: widgets over the board, no rules of their own."""
