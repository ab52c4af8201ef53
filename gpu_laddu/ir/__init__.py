"""The expression IR: interned nodes with evaluation classes, the expression algebra that
builds them, analytic derivative graphs, a printer and a validator."""
