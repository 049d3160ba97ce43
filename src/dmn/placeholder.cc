// Placeholder until the DMN engine lands.
