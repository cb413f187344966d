from shared.service import serve

serve("grants")
