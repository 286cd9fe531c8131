{{> standard-helpers}}

{{> bluegreen-helpers}}
