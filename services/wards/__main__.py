from shared.service import serve

serve("wards")
