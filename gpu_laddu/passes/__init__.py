"""Pure IR → IR passes: split (precompute/evaluate), fold, specialize, cse, normalize."""
