from shared.service import serve

serve("services.wards.app")
