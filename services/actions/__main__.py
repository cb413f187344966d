from shared.service import serve

serve("services.actions.app")
