"""The school's adapter: verzuimmeldingen it pushes, overdrachten it sends and receives."""
