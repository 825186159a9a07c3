package undefined

deny := "not allowed" if input.never
