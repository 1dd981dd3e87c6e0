"""The words every channel says the same way when its own work fails."""

APOLOGY = "Sorry, something went wrong on our side. Please try again in a moment."
