"""notifications — getting events to partner organisations.

It owns the partners of each council and their subscriptions (topic patterns, wards, themes),
and every delivery made to them: signed webhooks (Standard Webhooks), emails (immediate, or
daily and weekly digests, with a suppression list) and partners' own queues, each with its
attempt log; and the internal alerts (overdue milestones, monitoring reports due, wards behind
on their meetings) emailed to whoever must act on them.
"""
