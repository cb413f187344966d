"""wards — neighbourhood working: wards and their boundary sets, published to every service."""
