package undefined

deny := "not allowed" if input.model.metadata.never
