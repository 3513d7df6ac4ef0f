terraform import indigo_storage.archive archive
