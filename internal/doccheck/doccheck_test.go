// Package doccheck holds a test of the repository's documentation: it
// has no code of its own.
package doccheck

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// contract is the rule every exported type's doc comment follows: it says
// what may be done with the type from several goroutines, in words that
// contain one of these (case-insensitive): "concurrent" (concurrently,
// concurrent use), "goroutine", "safe for", or, for values nobody modifies
// once made, "immutable", "read-only" or "plain value".
var contract = regexp.MustCompile(`(?i)concurren|goroutine|safe\s+for|immutable|read-only|plain\s+value`)

// deprecated matches the paragraph that marks an old name (go doc's
// convention); such a name is left to its replacement.
var deprecated = regexp.MustCompile(`(?m)^Deprecated: `)

// TestConcurrencyContracts walks every non-internal package of every
// module of the repository (two directories up; the examples module
// aside, it holds programs) with go/doc, and fails for each exported type whose doc comment states no
// concurrency contract. A type alias counts too: its comment is what
// go doc shows for it, unless it is deprecated.
func TestConcurrencyContracts(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		name := d.Name()
		switch {
		case rel == ".":
			return nil
		case name == "internal" || name == "testdata" || name == "node_modules" || strings.HasPrefix(name, "."):
			return filepath.SkipDir
		}
		if rel == "examples" {
			return filepath.SkipDir // programs and their tests, not an API
		}
		dirs = append(dirs, path)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	checked := 0
	for _, dir := range dirs {
		fset := token.NewFileSet()
		pkgs, err := parser.ParseDir(fset, dir, func(fi fs.FileInfo) bool {
			return !strings.HasSuffix(fi.Name(), "_test.go")
		}, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, pkg := range pkgs {
			if pkg.Name == "main" {
				continue
			}
			files := make([]*ast.File, 0, len(pkg.Files))
			for _, f := range pkg.Files {
				files = append(files, f)
			}
			rel, _ := filepath.Rel(root, dir)
			p, err := doc.NewFromFiles(fset, files, "github.com/gosio/gosio/"+filepath.ToSlash(rel))
			if err != nil {
				t.Fatal(err)
			}
			for _, typ := range p.Types {
				if !ast.IsExported(typ.Name) {
					continue
				}
				d := typeDoc(typ)
				if deprecated.MatchString(d) {
					continue // an old name: its new one states the contract
				}
				checked++
				if !contract.MatchString(d) {
					missing = append(missing, filepath.ToSlash(rel)+"."+typ.Name)
				}
			}
		}
	}
	if checked == 0 {
		t.Fatal("no exported type found: the walk is broken")
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("%s: its doc comment states no concurrency contract (say what may be called concurrently, or that it is immutable)", m)
	}
	t.Logf("%d exported types checked", checked)
}

// typeDoc is the comment go doc shows for typ: its own, or for a type in
// a grouped declaration without one, the group's.
func typeDoc(typ *doc.Type) string {
	for _, spec := range typ.Decl.Specs {
		if ts, ok := spec.(*ast.TypeSpec); ok && ts.Name.Name == typ.Name {
			if ts.Doc != nil {
				return ts.Doc.Text()
			}
			if ts.Comment != nil && typ.Doc == "" {
				return ts.Comment.Text()
			}
		}
	}
	return typ.Doc
}
