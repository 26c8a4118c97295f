"""The city inventory: towns, departments, categories, sites, devices, channels, credential references."""

from noc_api.inventory.loader import InventoryError, InventoryProblem, load_inventory, parse_inventory
from noc_api.inventory.model import Inventory

__all__ = ["Inventory", "InventoryError", "InventoryProblem", "load_inventory", "parse_inventory"]
