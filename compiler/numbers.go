package compiler

import (
	"fmt"
	"math"
)

// Dataverse's limits of number columns, which the run time keeps to as it
// stores values: whole numbers are 32-bit, money and decimal numbers keep
// two decimals (the precision every build declares: Accuracy 2).
const (
	MinInteger = math.MinInt32
	MaxInteger = math.MaxInt32
	MaxMoney   = 922337203685477 // and its negative
	MaxDecimal = 100000000000    // and its negative
)

// StoredNumber is v as a column of typ (integer, decimal, money) stores
// it: money and decimal numbers rounded to two decimals, as Dataverse
// rounds them to the column's precision; an error when it is out of the
// column's range.
func StoredNumber(typ string, v float64) (float64, error) {
	switch typ {
	case TypeInteger:
		if v < MinInteger || v > MaxInteger {
			return 0, fmt.Errorf("is outside a whole number's range (-2,147,483,648 to 2,147,483,647)")
		}
	case TypeMoney:
		v = math.Round(v*100) / 100
		if math.Abs(v) > MaxMoney {
			return 0, fmt.Errorf("is outside money's range (±922,337,203,685,477)")
		}
	case TypeDecimal:
		v = math.Round(v*100) / 100
		if math.Abs(v) > MaxDecimal {
			return 0, fmt.Errorf("is outside a decimal number's range (±100,000,000,000)")
		}
	}
	return v, nil
}
