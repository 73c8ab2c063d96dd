package receipt

import (
	"errors"
	"fmt"
	"regexp"
	"text/template"
	"text/template/parse"
	"time"
)

// A template runs once per receipt, so what it may do is bounded by its
// text: no loop (range), no call of another template (define, block,
// template: recursion), and no function beyond templateFuncs and the
// harmless builtins. Its execution time is then linear in its size, and
// its output is cut at a field's limit (MaxFieldLength, MaxCodeData) and
// at MaxTemplateOutput for the whole receipt.

// MaxTemplateOutput bounds what a template's placeholders write for one
// receipt, all fields together.
const MaxTemplateOutput = 64 << 10

// ErrTemplateOutput: a placeholder wrote more than its field may hold.
var ErrTemplateOutput = errors.New("placeholder output too long")

// allowedBuiltins are text/template's builtins a placeholder may call.
var allowedBuiltins = map[string]bool{
	"and": true, "or": true, "not": true, "eq": true, "ne": true, "lt": true, "le": true, "gt": true, "ge": true,
	"len": true, "index": true, "slice": true, "print": true, "printf": true, "html": true, "js": true, "urlquery": true,
}

// bigVerb matches a printf verb with a width or precision of three digits
// or more, or one taken from an argument: fmt pads up to a megabyte each.
var bigVerb = regexp.MustCompile(`%[-+# 0]*(\*|[0-9]{3,}|[0-9]*\.(\*|[0-9]{3,}))`)

// checkPlaceholders refuses what could make a placeholder run long.
func checkPlaceholders(t *template.Template) error {
	if n := len(t.Templates()); n > 1 {
		return errors.New("define and block are not allowed")
	}
	return checkNode(t.Tree.Root)
}

func checkNode(n parse.Node) error {
	switch n := n.(type) {
	case nil, *parse.TextNode, *parse.CommentNode, *parse.DotNode, *parse.NilNode, *parse.BoolNode,
		*parse.NumberNode, *parse.StringNode, *parse.FieldNode, *parse.VariableNode:
		return nil
	case *parse.ListNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Nodes {
			if err := checkNode(c); err != nil {
				return err
			}
		}
		return nil
	case *parse.ActionNode:
		return checkNode(n.Pipe)
	case *parse.IfNode:
		return checkBranch(&n.BranchNode)
	case *parse.WithNode:
		return checkBranch(&n.BranchNode)
	case *parse.PipeNode:
		if n == nil {
			return nil
		}
		for _, c := range n.Cmds {
			if err := checkNode(c); err != nil {
				return err
			}
		}
		return nil
	case *parse.ChainNode:
		return checkNode(n.Node)
	case *parse.IdentifierNode:
		if _, ok := templateFuncs[n.Ident]; !ok && !allowedBuiltins[n.Ident] {
			return fmt.Errorf("function %q is not allowed", n.Ident)
		}
		return nil
	case *parse.CommandNode:
		if id, ok := n.Args[0].(*parse.IdentifierNode); ok && id.Ident == "printf" {
			if len(n.Args) < 2 {
				return errors.New("printf needs a format")
			}
			f, ok := n.Args[1].(*parse.StringNode)
			if !ok {
				return errors.New("printf's format must be a quoted string")
			}
			if v := bigVerb.FindString(f.Text); v != "" {
				return fmt.Errorf("printf %q: width or precision of %q too large (at most 99)", f.Text, v)
			}
		}
		for _, a := range n.Args {
			if err := checkNode(a); err != nil {
				return err
			}
		}
		return nil
	case *parse.RangeNode:
		return errors.New("range is not allowed (a template runs once per receipt and may not loop)")
	case *parse.TemplateNode:
		return errors.New("calling a template is not allowed")
	case *parse.BreakNode, *parse.ContinueNode:
		return errors.New("break and continue are not allowed")
	}
	return fmt.Errorf("%s is not allowed", n)
}

func checkBranch(b *parse.BranchNode) error {
	for _, c := range []parse.Node{b.Pipe, b.List, b.ElseList} {
		if c == nil {
			continue
		}
		if err := checkNode(c); err != nil {
			return err
		}
	}
	return nil
}

// fieldLimit is the most a placeholder of field f may write.
func fieldLimit(f textField) int {
	if f == fieldData {
		return MaxCodeData
	}
	return MaxFieldLength
}

// jsonField is a block's JSON fields by textField and block type.
func jsonField(b *Block, f textField) string {
	switch f {
	case fieldCaption:
		if b.Type == BlockSeparator {
			return "value.caption"
		}
		return "value.text"
	case fieldName:
		return "value.name"
	case fieldValue:
		return "value.value"
	}
	return "value.data"
}

// sampleData is the transaction every template is tried with when it is
// loaded: a placeholder naming something TemplateData lacks ({{.Nope}})
// fails there, naming its block, not on every receipt later.
var sampleData = TemplateData{ID: "STX_SAMPLE", TransID: "123456", Status: "accepted", PaymentMethod: "cash",
	Merchant: "Sample Merchant", Created: time.Date(2026, 1, 2, 15, 4, 5, 0, time.UTC), CreatedRaw: "2026-01-02T15:04:05Z"}

// limitWriter appends to buf up to left bytes; a write past it fails,
// which stops the template.
type limitWriter struct {
	buf  []byte
	left int
}

func (w *limitWriter) Write(p []byte) (int, error) {
	if len(p) > w.left {
		return 0, ErrTemplateOutput
	}
	w.left -= len(p)
	w.buf = append(w.buf, p...)
	return len(p), nil
}
