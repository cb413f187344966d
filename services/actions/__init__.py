"""actions — the partnership action plan: plans, themed actions, milestones (some bound to events), RAG, reviews, indicators."""
