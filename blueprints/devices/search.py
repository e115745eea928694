"""The admin client search finds a client by the serial number of one of their devices."""

from blueprints.devices.rules import find_client_ids_by_serial
from services.client_search import CLIENT_SEARCH_EXTENSIONS

if find_client_ids_by_serial not in CLIENT_SEARCH_EXTENSIONS:
    CLIENT_SEARCH_EXTENSIONS.append(find_client_ids_by_serial)
