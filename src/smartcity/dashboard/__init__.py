"""Operator dashboard: the server-rendered shell, its ES modules and the /api/dashboard/* JSON."""
