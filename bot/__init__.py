"""Relais: a Telegram help bot for people supported by French social services."""
