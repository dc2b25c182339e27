package compiler

import "testing"

func TestStoredNumber(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		in   float64
		want float64
		bad  bool
	}{
		{TypeInteger, 2147483647, 2147483647, false},
		{TypeInteger, 2147483648, 0, true},
		{TypeInteger, -2147483649, 0, true},
		{TypeMoney, 1234567.891, 1234567.89, false},
		{TypeMoney, -0.125, -0.13, false},
		{TypeMoney, 1e15, 0, true},
		{TypeDecimal, 1.23456, 1.23, false},
		{TypeDecimal, 0.005, 0.01, false},
		{TypeDecimal, 1e-20, 0, false},
		{TypeDecimal, -2e11, 0, true},
	} {
		got, err := StoredNumber(tc.typ, tc.in)
		if (err != nil) != tc.bad || !tc.bad && got != tc.want {
			t.Errorf("StoredNumber(%s, %v) = %v, %v", tc.typ, tc.in, got, err)
		}
	}
}
