"""The editorial desk: house-style lint, reference numbers, approvals; between draft and sent."""
