// Public API of the packaging standards core (PEP 440, 503, 508, 425, 427, 625, core metadata).
export {};
