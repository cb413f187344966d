from shared.service import serve

serve("actions")
