"""Classes: course offerings with per-class roles, assignments with deadlines, class gradebooks
and exports."""
