"""The local NetSuite SuiteTalk SOAP service: schema subset, codec, operations and app."""
