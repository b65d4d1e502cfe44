"""`fieldsales simulate`: the product driven through its public API over simulated weeks, with
invariants checked after every day (docs/architecture.md, "The simulator")."""
