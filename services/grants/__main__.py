from shared.service import serve

serve("services.grants.app")
