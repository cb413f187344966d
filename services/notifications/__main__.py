from shared.service import serve

serve("services.notifications.app")
