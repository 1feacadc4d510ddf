package main

import (
	"os"
	"testing"

	"github.com/sirupsen/logrus"
)

func TestMain(m *testing.M) {
	// As the command does: operator-registry logs each optional bundle file
	// it does not find.
	logrus.SetLevel(logrus.WarnLevel)
	os.Exit(m.Run())
}
