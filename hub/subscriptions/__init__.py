"""Subscriptions: plans, delivery schedules, pauses and changes, daily generation, pick lists."""
