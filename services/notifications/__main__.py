from shared.service import serve

serve("notifications")
