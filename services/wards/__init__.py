"""wards — neighbourhood working: wards and their boundary sets (published to every service), elected
members, ward meetings and their four-a-year cadence, devolved budgets and their spending."""
