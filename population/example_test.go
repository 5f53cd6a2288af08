package population_test

import (
	"context"
	"fmt"
	"log"
	"os"

	"cpr/population"
	"cpr/register"
)

// Generate streams a population into a register's bulk load.
func ExampleGenerate() {
	dir, err := os.MkdirTemp("", "population-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	r, err := register.Open(dir, register.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()

	persons := population.Generate(population.Config{Persons: 1000, Seed: 1})
	st, err := r.Load(context.Background(), persons)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(st.Persons, "persons loaded")

	// The same seed gives the same persons again.
	for p := range persons {
		got, err := r.Get(p.PNR)
		if err != nil || got.Name != p.Name {
			log.Fatal("not as generated")
		}
	}
	// Output: 1000 persons loaded
}
