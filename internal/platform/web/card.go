package web

// Card is one block of counts on the 工作台; every module adds its own.
type Card struct {
	Title string
	Items []CardItem
}

// CardItem is a count that links to its filtered list. Alert marks a
// count that needs attention (shown red when non-zero).
type CardItem struct {
	Label string
	Count int
	URL   string
	Alert bool
}
