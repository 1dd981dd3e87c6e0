"""The composition root's builders, one module per capability; bot/bootstrap.py calls them in
order."""
