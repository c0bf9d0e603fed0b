package component

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"reflect"
	"strconv"
	"strings"
	"testing"

	p "github.com/pulumi/pulumi-go-provider"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"

	"github.com/montecarlo-pipeline/montecarlo/components"
	"github.com/montecarlo-pipeline/montecarlo/program"
)

// docComments returns the doc comment of each field of the named struct in
// components/pipeline.go, as one line.
func docComments(t *testing.T, structName string) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "../../components/pipeline.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		ts, ok := n.(*ast.TypeSpec)
		if !ok || ts.Name.Name != structName {
			return true
		}
		for _, field := range ts.Type.(*ast.StructType).Fields.List {
			if field.Doc == nil || len(field.Names) == 0 {
				continue
			}
			// Only the paragraph next to the field: a section comment
			// ("Network. ...") is separated from it by an empty line.
			paras := strings.Split(strings.TrimSpace(field.Doc.Text()), "\n\n")
			out[field.Names[0].Name] = strings.Join(strings.Fields(paras[len(paras)-1]), " ")
		}
		return false
	})
	if len(out) == 0 {
		t.Fatalf("no documented fields of %s in components/pipeline.go", structName)
	}
	return out
}

func pulumiTags(typ reflect.Type) map[string]string {
	out := map[string]string{}
	for _, f := range reflect.VisibleFields(typ) {
		if len(f.Index) > 1 {
			continue // promoted from pulumi.ResourceState (urn)
		}
		if tag, ok := f.Tag.Lookup("pulumi"); ok {
			out[strings.Split(tag, ",")[0]] = f.Name
		}
	}
	return out
}

// The outputs are described with the Go doc comments of
// components.MonteCarloPipeline's fields, the Go name replaced by the
// schema name.
func TestOutputDescriptionsAreTheGoDocComments(t *testing.T) {
	docs := docComments(t, "MonteCarloPipeline")
	tags := pulumiTags(reflect.TypeFor[components.MonteCarloPipeline]())
	for name, field := range tags {
		want := name + strings.TrimPrefix(docs[field], field)
		if docs[field] == "" {
			t.Errorf("output %s (%s) has no doc comment", name, field)
		} else if got := OutputDescriptions[name]; got != want {
			t.Errorf("OutputDescriptions[%q] = %q\nwant (the doc comment of %s) %q", name, got, field, want)
		}
	}
	for name := range OutputDescriptions {
		if _, ok := tags[name]; !ok {
			t.Errorf("OutputDescriptions has %q, which is no output of the component", name)
		}
	}
}

// The inputs that are not config keys are described with the Go doc comments
// of MonteCarloPipelineArgs (Go names replaced by schema names); every config
// key is an input described with its program.ConfigKeys description.
func TestInputDescriptionsHaveOneSource(t *testing.T) {
	docs := docComments(t, "MonteCarloPipelineArgs")
	fromDoc := map[string]string{"namePrefix": "NamePrefix", "buildContext": "BuildContext", "dockerfile": "Dockerfile", "tags": "Tags"}
	for name, field := range fromDoc {
		want := name + strings.TrimPrefix(docs[field], field)
		want = strings.ReplaceAll(want, "MaxNamePrefixLength", strconv.Itoa(components.MaxNamePrefixLength))
		for n, f := range fromDoc {
			want = strings.ReplaceAll(want, "<"+f+">", "<"+n+">")
		}
		if got := InputDescriptions[name]; got != want {
			t.Errorf("InputDescriptions[%q] = %q\nwant (the doc comment of %s) %q", name, got, field, want)
		}
	}
	inputs := pulumiTags(reflect.TypeFor[Args]())
	keys := map[string]string{}
	for _, k := range program.ConfigKeys {
		keys[k.Name] = k.Description
		if _, ok := inputs[k.Name]; !ok {
			t.Errorf("config key %s is no input of the provider", k.Name)
		}
	}
	for name := range inputs {
		_, isKey := keys[name]
		_, isDoc := fromDoc[name]
		switch {
		case name == "retry":
		case isDoc:
		case !isKey:
			t.Errorf("input %s is neither a config key nor described from a doc comment", name)
		case InputDescription(name) != keys[name]:
			t.Errorf("input %s: description %q, config key's %q", name, InputDescription(name), keys[name])
		}
	}
	for name := range InputDescriptions {
		if _, ok := inputs[name]; !ok {
			t.Errorf("InputDescriptions has %q, which is no input", name)
		}
	}
}

// Every input reaches MonteCarloPipelineArgs: with every input set, no
// field of the component's arguments is left zero.
func TestEveryInputReachesTheComponent(t *testing.T) {
	var a Args
	v := reflect.ValueOf(&a).Elem()
	for i := 0; i < v.NumField(); i++ {
		setNonZero(t, v.Field(i), v.Type().Field(i).Name)
	}
	c := reflect.ValueOf(*a.ToComponent())
	for _, f := range reflect.VisibleFields(c.Type()) {
		if f.Anonymous {
			continue
		}
		fv := c.FieldByIndex(f.Index)
		if fv.IsZero() {
			t.Errorf("MonteCarloPipelineArgs.%s is not set by any input", f.Name)
		}
		if fv.Kind() == reflect.Struct {
			for j := 0; j < fv.NumField(); j++ {
				if fv.Field(j).IsZero() {
					t.Errorf("MonteCarloPipelineArgs.%s.%s is not set by any input", f.Name, fv.Type().Field(j).Name)
				}
			}
		}
	}
	f := false
	a.Tracing = &f
	if !a.ToComponent().DisableTracing {
		t.Error("tracing false does not disable tracing")
	}
	a.Tracing = nil
	if a.ToComponent().DisableTracing {
		t.Error("tracing unset disables tracing")
	}
}

func setNonZero(t *testing.T, v reflect.Value, name string) {
	switch v.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Int:
		v.SetInt(1)
	case reflect.Float64:
		v.SetFloat(0.5)
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Slice:
		v.Set(reflect.ValueOf([]string{"x"}))
	case reflect.Map:
		v.Set(reflect.ValueOf(map[string]string{"k": "v"}))
	case reflect.Pointer:
		n := reflect.New(v.Type().Elem())
		if n.Elem().Kind() == reflect.Bool {
			n.Elem().SetBool(false)
		} else {
			for i := 0; i < n.Elem().NumField(); i++ {
				setNonZero(t, n.Elem().Field(i), name)
			}
		}
		v.Set(n)
	case reflect.Interface:
		switch v.Type().Name() {
		case "StringInput":
			v.Set(reflect.ValueOf(pulumi.String("x")))
		case "StringArrayInput":
			v.Set(reflect.ValueOf(pulumi.StringArray{pulumi.String("x")}))
		default:
			t.Fatalf("%s: unhandled input type %s", name, v.Type())
		}
	default:
		t.Fatalf("%s: unhandled kind %s", name, v.Kind())
	}
}

// The schema the provider serves: the token, a component, every input and
// output described, the Input-typed fields taking outputs of other
// resources (plain: false).
func TestSchema(t *testing.T) {
	prov, err := New()
	if err != nil {
		t.Fatal(err)
	}
	spec, err := p.GetSchema(context.Background(), Name, Version, prov)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := spec.Resources[components.TypeToken]
	if !ok {
		raw, _ := json.Marshal(spec.Resources)
		t.Fatalf("no %s in the schema's resources: %s", components.TypeToken, raw)
	}
	if !r.IsComponent {
		t.Error("not a component")
	}
	if r.Description != ComponentDescription {
		t.Errorf("description %q", r.Description)
	}
	for name, prop := range r.InputProperties {
		if prop.Description != InputDescription(name) {
			t.Errorf("input %s: description %q, want %q", name, prop.Description, InputDescription(name))
		}
	}
	if len(r.RequiredInputs) != 0 {
		t.Errorf("required inputs %v: every input is optional", r.RequiredInputs)
	}
	if len(r.InputProperties) != len(pulumiTags(reflect.TypeFor[Args]())) {
		t.Errorf("%d inputs in the schema, %d in Args", len(r.InputProperties), len(pulumiTags(reflect.TypeFor[Args]())))
	}
	for name, prop := range r.Properties {
		if prop.Description != OutputDescriptions[name] {
			t.Errorf("output %s: description %q, want %q", name, prop.Description, OutputDescriptions[name])
		}
	}
	if len(r.Properties) != len(OutputDescriptions) {
		t.Errorf("%d outputs in the schema, %d described", len(r.Properties), len(OutputDescriptions))
	}
	for _, name := range []string{"vpcId", "subnetIds", "inputBucket", "kmsKeyArn", "image"} {
		if r.InputProperties[name].Plain {
			t.Errorf("input %s is plain; it takes other resources' outputs", name)
		}
	}
	for _, name := range []string{"availabilityZoneCount", "workerCount", "taskCpu", "onDemandOnly"} {
		if !r.InputProperties[name].Plain {
			t.Errorf("input %s is not plain; the component needs its value before registering resources", name)
		}
	}
	if _, ok := spec.Types[Name+":index:RetryPolicy"]; !ok {
		t.Errorf("no RetryPolicy type among %v", keysOf(spec.Types))
	}
}

func keysOf[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
