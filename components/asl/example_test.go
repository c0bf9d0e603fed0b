package asl_test

import (
	"fmt"

	"github.com/montecarlo-pipeline/montecarlo/components/asl"
)

func ExampleNewMachine() {
	m, err := asl.NewMachine("Count down").
		StartAt("Check").
		Add("Check", asl.Choice().
			When(asl.NumericGreaterThan("$.n", 0), "Tick").
			Default("Done")).
		Add("Tick", asl.Task("arn:aws:states:us-east-1:123456789012:activity:tick").
			TimeoutSeconds(60).
			Retry(asl.RetryOn(asl.ErrTimeout).MaxAttempts(2)).
			Catch(asl.CatchAll("Done").ResultPath("$.error")).
			Next("Check")).
		Add("Done", asl.Succeed()).
		Build()
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := asl.Marshal(m)
	fmt.Println(string(b))
	// Output:
	// {"Comment":"Count down","StartAt":"Check","States":{"Check":{"Type":"Choice","Choices":[{"Variable":"$.n","NumericGreaterThan":0,"Next":"Tick"}],"Default":"Done"},"Done":{"Type":"Succeed"},"Tick":{"Type":"Task","Resource":"arn:aws:states:us-east-1:123456789012:activity:tick","TimeoutSeconds":60,"Retry":[{"ErrorEquals":["States.Timeout"],"MaxAttempts":2}],"Catch":[{"ErrorEquals":["States.ALL"],"Next":"Done","ResultPath":"$.error"}],"Next":"Check"}}}
}

func ExampleWalk() {
	m, _ := asl.Parse([]byte(`{"StartAt":"Fan","States":{"Fan":{"Type":"Map","ItemProcessor":{"StartAt":"Work","States":{"Work":{"Type":"Pass","End":true}}},"Next":"Done"},"Done":{"Type":"Succeed"}}}`))
	_ = asl.Walk(m, func(v asl.Visit) error {
		fmt.Println(v.Path, v.State.Type(), asl.Successors(v.State))
		return nil
	})
	// Output:
	// States.Done Succeed []
	// States.Fan Map [Done]
	// States.Fan.ItemProcessor.States.Work Pass []
}

func ExampleStateMachine_Validate() {
	m, _ := asl.Parse([]byte(`{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"r","TimeoutSeconds":30,"HeartbeatSeconds":60,"Next":"B"}}}`))
	fmt.Println(m.Validate())
	// Output:
	// invalid state machine: 3 problems:
	//   States.A.Next: "B" is not a state in this scope
	//   States.A.HeartbeatSeconds: must be less than TimeoutSeconds (60 >= 30)
	//   States: no terminal state: a scope needs a state with End true, or a Succeed or Fail state
}
