{{> bluegreen-helpers}}
