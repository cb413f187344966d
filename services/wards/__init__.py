"""wards — neighbourhood working: wards and their boundary sets (published to every service), elected
members, ward meetings and their four-a-year cadence, devolved budgets and their spending; localities and
clusters, ward plans, quarterly updates, resident engagement, public place profiles and the annual report on
neighbourhood working."""
