"""Request input -> validated values or field errors, one module per kind of form."""
