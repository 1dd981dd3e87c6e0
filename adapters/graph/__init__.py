"""Microsoft Graph: finding Teams users by email and installing the bot for those who lack it."""
