"""Sales plan vs fact: monthly plans and actuals per rep x product category x region."""
